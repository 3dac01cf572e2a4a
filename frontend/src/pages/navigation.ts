// Where the pages send a person: the sign-in page remembers where they were going.
export function loginUrl(next: string): string {
  return `/app/login/?next=${encodeURIComponent(next)}`;
}
