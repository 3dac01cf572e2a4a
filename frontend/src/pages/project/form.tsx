// The project page's form pieces: submitting with the server's errors kept by field, inputs and
// selects tied to the errors shown next to them, and the page's "new ..." forms.
import { useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from "react";
import { BODY, fieldsNamed, problemsOf, type Problems } from "./helpers";
import { Alert } from "./section";

/** A form's submit: clears its problems, runs `send`, and keeps the ones it fails with. */
export function useSubmit(keyOf: (path: string) => string | null) {
  const [problems, setProblems] = useState<Problems>({});
  const [busy, setBusy] = useState(false);
  const submit = async (send: () => Promise<void>) => {
    setBusy(true);
    setProblems({});
    try {
      await send();
    } catch (caught) {
      setProblems(problemsOf(caught, keyOf));
    } finally {
      setBusy(false);
    }
  };
  return { problems, setProblems, busy, submit };
}

/** A form whose fields are named as the server names them: their values (`initial` to begin
 * with), its submit, and `bind(name)`, which ties a field's input to its value and errors. */
export function useFields<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState(initial);
  const { problems, setProblems, busy, submit } = useSubmit(fieldsNamed(...Object.keys(initial)));
  const bind = <K extends keyof T & string>(name: K) => ({
    value: values[name],
    onChange: (value: T[K]) => setValues((current) => ({ ...current, [name]: value })),
    errors: problems[name],
  });
  return { values, setValues, bind, problems, setProblems, busy, submit };
}

/** The errors about one field, shown next to it as the element `id`, one per line (a file's
 * can be many). */
export function FieldErrors({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <span id={id} className="error" role="alert">
      {messages.map((message, index) => (
        <span key={index} className="error-line">
          {message}
        </span>
      ))}
    </span>
  );
}

/** The attributes tying a control to the errors shown in the element `errorsId`. */
function invalid(errorsId: string, messages: string[] | undefined) {
  const bad = (messages?.length ?? 0) > 0;
  return { "aria-invalid": bad, "aria-describedby": bad ? errorsId : undefined };
}

/** A labelled control, the errors about it under it as `<id>-error`. */
export function Field(props: {
  id: string;
  label: string;
  errors: string[] | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      <FieldErrors id={`${props.id}-error`} messages={props.errors} />
    </div>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange"> & {
  id: string;
  value: string;
  onChange: (value: string) => void;
  errors: string[] | undefined;
  /** Where `errors` are shown: `<id>-error` unless several inputs share one place. */
  errorsId?: string;
};

/** An input tied to the errors about it (shown elsewhere, by FieldErrors). */
export function Input({ errors, errorsId, onChange, ...attributes }: InputProps) {
  return (
    <input
      {...attributes}
      {...invalid(errorsId ?? `${attributes.id}-error`, errors)}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

/** An input in a table cell, named by its `aria-label`, its errors right after it. */
export function CellInput(props: InputProps) {
  return (
    <>
      <Input {...props} />
      <FieldErrors id={`${props.id}-error`} messages={props.errors} />
    </>
  );
}

export function TextField({ label, type = "text", ...input }: InputProps & { label: string }) {
  return (
    <Field id={input.id} label={label} errors={input.errors}>
      <Input type={type} {...input} />
    </Field>
  );
}

/** A select tied to the errors about it, shown as `<id>-error`; `children` are its options. */
export function Select(props: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  errors: string[] | undefined;
  label?: string;
  children: ReactNode;
}) {
  return (
    <select
      id={props.id}
      value={props.value}
      aria-label={props.label}
      {...invalid(`${props.id}-error`, props.errors)}
      onChange={(event) => props.onChange(event.target.value)}
    >
      {props.children}
    </select>
  );
}

/** A form that makes something new: its heading (`id`, `title`), what failed as a whole, its
 * fields, and the button that sends it. */
export function CreateForm(props: {
  id: string;
  title: string;
  button: string;
  form: { problems: Problems; busy: boolean };
  onSubmit: () => void;
  children: ReactNode;
}) {
  const send = (event: FormEvent) => {
    event.preventDefault();
    props.onSubmit();
  };
  return (
    <form className="project-form" onSubmit={send} noValidate aria-labelledby={props.id}>
      <h3 id={props.id}>{props.title}</h3>
      <Alert messages={props.form.problems[BODY]} />
      {props.children}
      <button type="submit" disabled={props.form.busy}>
        {props.button}
      </button>
    </form>
  );
}
