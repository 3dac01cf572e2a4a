// Where the pages send a person: the sign-in page remembers where they were going.
export function loginUrl(next: string): string {
  return `/app/login/?next=${encodeURIComponent(next)}`;
}

/** The labs a person teaches or is enrolled in, and joining a class. */
export const LABS_URL = "/app/labs/";
