// A button whose action is asked about first, in place: the question with a button that does
// it and one that does not.
import { useState } from "react";

export function ConfirmButton(props: {
  label: string;
  /** The button's accessible name, when `label` alone is not enough (in a table row). */
  name?: string;
  question: string;
  yes: string;
  disabled?: boolean;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        aria-label={props.name}
        disabled={props.disabled}
        onClick={() => setAsking(true)}
      >
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={props.question}>
      {props.question}{" "}
      <button
        type="button"
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {props.yes}
      </button>{" "}
      <button type="button" onClick={() => setAsking(false)} autoFocus>
        Cancel
      </button>
    </span>
  );
}
