// What the sections of the project page are built from: the heading and intro, the data a
// section loads once, messages shown as alerts, tables, and the settings sections (quota, VLAN
// policy) that admins edit and everyone else reads.
import { useEffect, useState, type ReactNode } from "react";

/** Data a section loads once, with the message to show if it could not. */
export function useLoaded<T>(load: () => Promise<T>, what: string) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string[] | undefined>();
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setData(value),
      () => live && setError([`The ${what} could not be loaded.`]),
    );
    return () => {
      live = false;
    };
  }, []); // once per mount: a section shows the project it was mounted for
  return [data, setData, error] as const;
}

/** One section of the page: its heading, a line on what it shows, what could not be done, and
 * then `children`. */
export function Section(props: {
  id: string;
  title: string;
  intro?: string;
  error?: string[];
  children: ReactNode;
}) {
  return (
    <section className="project-section" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.intro && <p className="muted">{props.intro}</p>}
      <Alert messages={props.error} />
      {props.children}
    </section>
  );
}

/** A section of settings loaded once: a form that saves them for those who may change them
 * (`canEdit`), a plain view of them for everyone else. */
export function SettingsSection<T>(props: {
  id: string;
  title: string;
  intro: string;
  what: string;
  load: () => Promise<T>;
  canEdit: boolean;
  view: (settings: T) => ReactNode;
  form: (settings: T, onSaved: (settings: T) => void) => ReactNode;
}) {
  const [settings, setSettings, error] = useLoaded(props.load, props.what);
  return (
    <Section id={props.id} title={props.title} intro={props.intro} error={error}>
      {settings !== null &&
        (props.canEdit ? props.form(settings, setSettings) : props.view(settings))}
    </Section>
  );
}

export function Alert({ messages }: { messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <p className="error" role="alert">
      {messages.join(" ")}
    </p>
  );
}

/** A table named by the heading `labelledBy`, with one column heading per `columns` and the
 * rows `children` below them. */
export function Table(props: {
  labelledBy: string;
  columns: string[];
  className?: string;
  children: ReactNode;
}) {
  return (
    <table aria-labelledby={props.labelledBy} className={props.className}>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}
