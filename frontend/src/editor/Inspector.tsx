// The inspector: the selected element's fields. Each change is one `update` edit; findings
// that name the element and refused edits are shown beside it and its fields.
import { useEffect, useState, type ReactNode } from "react";
import type { TopologyDocument } from "../generated/document";
import type { Finding } from "../model/events";
import { elementsOf, findElement } from "../model/operations";
import type { Problem } from "../store/document";
import {
  displayValue,
  fieldKey,
  fieldsFor,
  parseInput,
  pathIsAbout,
  sameValue,
  setOf,
  valueOf,
  withConsequences,
  type FieldSpec,
} from "./fields";
import { KindIcon, kindOf } from "./icons";
import { LoadBalancerFields } from "./LoadBalancerFields";

interface Props {
  document: TopologyDocument;
  selection: readonly string[];
  findings: readonly Finding[];
  problems: readonly Problem[];
  canEdit: boolean;
  /** Send one update; returns the edit id, or null when it could not be made. */
  onUpdate: (list: string, id: string, set: Record<string, unknown>) => string | null;
  /** Shown under the selected element's fields (an HA router's drills). */
  children?: ReactNode;
}

export function Inspector(props: Props) {
  const { document, selection, findings, problems, canEdit, onUpdate, children } = props;
  const [edits, setEdits] = useState<Record<string, string>>({}); // edit id -> field
  const found = selection.length === 1 ? findElement(document, selection[0]!) : undefined;
  if (found === undefined) {
    return (
      <section className="inspector" aria-label="Inspector">
        <h2>Inspector</h2>
        <p className="muted">
          {selection.length > 1
            ? `${selection.length} elements selected.`
            : "Select an element to see its fields."}
        </p>
      </section>
    );
  }
  const { list, element } = found;
  const index = elementsOf(document, list).indexOf(element);
  const mine = findings.filter((finding) => finding.elements.includes(element.id));
  const fieldErrors = (key: string): string[] =>
    problems.flatMap((problem) =>
      problem.errors
        .filter(
          (e) =>
            pathIsAbout(e.path, list, index, key) ||
            (problem.editId !== null && edits[problem.editId] === `${element.id}.${key}`),
        )
        .map((e) => e.message),
    );
  const kindLabel =
    list === "networks"
      ? String(element.kind).replace("_", " ")
      : list.slice(0, -1).replace("_", " ");
  return (
    <section className="inspector" aria-label="Inspector">
      <h2>
        <KindIcon kind={kindOf(list, element)} /> {kindLabel} <code>{element.id}</code>
      </h2>
      {mine.length > 0 && (
        <ul className="findings-here" aria-label="Findings on this element">
          {mine.map((finding, i) => (
            <li key={i} className={finding.severity}>
              <strong>{finding.severity}</strong>: {finding.message}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(event) => event.preventDefault()}>
        {fieldsFor(list, element).map((spec) => {
          const key = fieldKey(spec);
          return (
            <FieldInput
              key={`${element.id}.${key}`}
              id={`field-${key.replace(".", "-")}`}
              spec={spec}
              value={valueOf(spec, element)}
              disabled={!canEdit}
              serverErrors={fieldErrors(key)}
              onCommit={(value) => {
                const set = withConsequences(list, element, setOf(spec, element, value));
                const editId = onUpdate(list, element.id, set);
                if (editId !== null) setEdits({ ...edits, [editId]: `${element.id}.${key}` });
              }}
            />
          );
        })}
      </form>
      {list === "load_balancers" && (
        <LoadBalancerFields
          document={document}
          element={element}
          disabled={!canEdit}
          onSet={(set) => onUpdate(list, element.id, set)}
        />
      )}
      {children}
    </section>
  );
}

function FieldInput(props: {
  id: string;
  spec: FieldSpec;
  value: unknown;
  disabled: boolean;
  serverErrors: string[];
  onCommit: (value: unknown) => void;
}) {
  const { id, spec, value, disabled } = props;
  const shown = displayValue(value, spec.type);
  const [text, setText] = useState(shown);
  const [localError, setLocalError] = useState<string | null>(null);
  useEffect(() => setText(shown), [shown]);
  const errors = [...(localError ? [localError] : []), ...props.serverErrors];
  const errorId = `${id}-error`;
  const described = errors.length > 0 ? errorId : undefined;

  const commit = (input: string | boolean) => {
    const parsed = parseInput(spec, input);
    if ("error" in parsed) {
      setLocalError(parsed.error);
      return;
    }
    setLocalError(null);
    const current =
      value === undefined ? (spec.nullable ? null : spec.type === "boolean" ? false : "") : value;
    if (!sameValue(parsed.value, current)) props.onCommit(parsed.value);
  };

  let control;
  if (spec.type === "boolean") {
    control = (
      <input
        id={id}
        type="checkbox"
        checked={value === true}
        disabled={disabled}
        aria-describedby={described}
        onChange={(event) => commit(event.target.checked)}
      />
    );
  } else if (spec.type === "select") {
    control = (
      <select
        id={id}
        value={shown}
        disabled={disabled}
        aria-describedby={described}
        onChange={(event) => commit(event.target.value)}
      >
        {value === undefined && <option value="">(default)</option>}
        {spec.options?.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    );
  } else {
    control = (
      <input
        id={id}
        type="text"
        inputMode={
          spec.type === "number" ? "numeric" : spec.type === "decimal" ? "decimal" : undefined
        }
        value={text}
        disabled={disabled}
        aria-invalid={errors.length > 0}
        aria-describedby={described}
        onChange={(event) => setText(event.target.value)}
        onBlur={() => commit(text)}
        onKeyDown={(event) => {
          if (event.key === "Enter") commit(text);
          if (event.key === "Escape") setText(shown);
        }}
      />
    );
  }
  return (
    <div className={`field ${spec.type === "boolean" ? "checkbox" : ""}`}>
      <label htmlFor={id}>{spec.label}</label>
      {control}
      {errors.length > 0 && (
        <span id={errorId} className="error" role="alert">
          {errors.join(" ")}
        </span>
      )}
    </div>
  );
}
