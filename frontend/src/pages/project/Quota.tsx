// The project's quota: what its topologies hold of each kind against the limit, and for admins
// the limits to change.
import { useState, type FormEvent, type ReactNode } from "react";
import { api, QUOTA_KINDS, type Quota, type QuotaKind } from "../../api/client";
import { CellInput, useSubmit } from "./form";
import { BODY, fieldsNamed, overLimit, QUOTA_WORDS, usageText } from "./helpers";
import { Alert, SettingsSection, Table } from "./section";

export function QuotaSection({ projectId, canEdit }: { projectId: number; canEdit: boolean }) {
  return (
    <SettingsSection
      id="quota-heading"
      title="Quota and usage"
      intro="What the project's topologies hold now (their head revisions), against its limits."
      what="quota"
      load={() => api.quota(projectId)}
      canEdit={canEdit}
      view={(quota) => <QuotaTable quota={quota} />}
      form={(quota, onSaved) => <QuotaForm projectId={projectId} quota={quota} onSaved={onSaved} />}
    />
  );
}

function QuotaTable(props: { quota: Quota; limitCell?: (kind: QuotaKind) => ReactNode }) {
  const { quota } = props;
  return (
    <Table
      labelledBy="quota-heading"
      className="quota"
      columns={props.limitCell ? ["Kind", "In use", "Limit"] : ["Kind", "In use"]}
    >
      {QUOTA_KINDS.map((kind) => {
        const used = quota.usage[kind];
        const limit = quota[kind];
        const text = usageText(kind, used, limit);
        const over = overLimit(used, limit);
        return (
          <tr key={kind} className={over ? "over" : undefined}>
            <th scope="row">{QUOTA_WORDS[kind]}</th>
            <td>
              {limit >= 0 && (
                <>
                  <meter
                    min={0}
                    max={Math.max(limit, 1)}
                    high={limit * 0.8}
                    optimum={0}
                    value={Math.min(used, Math.max(limit, 1))}
                    aria-label={text}
                  />{" "}
                </>
              )}
              <span className="usage">{text}</span>
              {over && <span className="warning"> (over the limit)</span>}
            </td>
            {props.limitCell && <td>{props.limitCell(kind)}</td>}
          </tr>
        );
      })}
    </Table>
  );
}

function QuotaForm(props: { projectId: number; quota: Quota; onSaved: (quota: Quota) => void }) {
  const typed = (quota: Quota) =>
    Object.fromEntries(QUOTA_KINDS.map((kind) => [kind, String(quota[kind])])) as Record<
      QuotaKind,
      string
    >;
  const [limits, setLimits] = useState(() => typed(props.quota));
  const [saved, setSaved] = useState(false);
  const { problems, busy, submit } = useSubmit(fieldsNamed(...QUOTA_KINDS));
  const save = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    // Sent as typed: the server names a value that is not a count, next to its field.
    const body = Object.fromEntries(
      QUOTA_KINDS.map((kind) => {
        const text = limits[kind].trim();
        return [kind, /^-?\d+$/.test(text) ? Number(text) : text];
      }),
    );
    void submit(async () => {
      const quota = await api.setQuota(props.projectId, body);
      props.onSaved(quota);
      setLimits(typed(quota));
      setSaved(true);
    });
  };
  const limitCell = (kind: QuotaKind) => (
    <CellInput
      id={`quota-${kind}`}
      className="limit"
      inputMode="numeric"
      value={limits[kind]}
      aria-label={`Limit of ${QUOTA_WORDS[kind]}`}
      title="A count, or -1 for no limit"
      errors={problems[kind]}
      onChange={(value) => setLimits({ ...limits, [kind]: value })}
    />
  );
  return (
    <form onSubmit={save} noValidate aria-label="Quota limits">
      <Alert messages={problems[BODY]} />
      <QuotaTable quota={props.quota} limitCell={limitCell} />
      <button type="submit" disabled={busy}>
        Save limits
      </button>{" "}
      <span role="status">{saved ? "Limits saved." : ""}</span>
    </form>
  );
}
