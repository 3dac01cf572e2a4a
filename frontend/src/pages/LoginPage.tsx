// The sign-in page: a username and password sent to the session endpoint; the server's
// errors are shown next to the field they name.
import { useState, type FormEvent } from "react";
import { api, ApiError } from "../api/client";

export function LoginPage({ next }: { next: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(username, password);
      window.location.assign(safeNext(next));
    } catch (caught) {
      setError(
        caught instanceof ApiError
          ? caught
          : new ApiError(0, "network", "The server could not be reached.", []),
      );
      setBusy(false);
    }
  };

  const fieldErrors = (path: string) => error?.messagesFor(path) ?? [];
  const general = error
    ? [...error.messagesFor("(body)"), ...(error.errors.length === 0 ? [error.detail] : [])]
    : [];
  return (
    <main className="page narrow">
      <h1>Sign in to Netloom</h1>
      <form
        onSubmit={submit}
        noValidate
        aria-describedby={general.length ? "login-error" : undefined}
      >
        {general.length > 0 && (
          <p id="login-error" className="error" role="alert">
            {general.join(" ")}
          </p>
        )}
        <Field
          id="username"
          label="Username"
          value={username}
          onChange={setUsername}
          autoComplete="username"
          errors={fieldErrors("username")}
        />
        <Field
          id="password"
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          errors={fieldErrors("password")}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

function Field(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors: string[];
  type?: string;
  autoComplete?: string;
}) {
  const errorId = `${props.id}-error`;
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? "text"}
        value={props.value}
        autoComplete={props.autoComplete}
        required
        aria-invalid={props.errors.length > 0}
        aria-describedby={props.errors.length > 0 ? errorId : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.errors.length > 0 && (
        <span id={errorId} className="error" role="alert">
          {props.errors.join(" ")}
        </span>
      )}
    </div>
  );
}

/** Only a path of this site: a sign-in link must not send the person elsewhere. */
export function safeNext(next: string): string {
  return /^\/(?!\/)/.test(next) && !next.startsWith("/app/login") ? next : "/app/";
}
