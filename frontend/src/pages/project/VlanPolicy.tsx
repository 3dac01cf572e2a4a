// The project's VLAN policy: which VLANs each traffic role may use and which roles are never
// routed to each other, shown to everyone and edited by admins.
import { useState, type FormEvent } from "react";
import { api, type VlanPolicy } from "../../api/client";
import { CellInput, FieldErrors, Input, useSubmit } from "./form";
import {
  BODY,
  formatRanges,
  policyErrorKey,
  policyFromRows,
  policyRows,
  rolesByVlan,
  type PolicyRows,
} from "./helpers";
import { Alert, SettingsSection, Table } from "./section";

export function VlanPolicySection({ projectId, canEdit }: { projectId: number; canEdit: boolean }) {
  return (
    <SettingsSection
      id="policy-heading"
      title="VLAN policy"
      intro="Which VLANs each kind of traffic may use, and which kinds are never routed to each other."
      what="VLAN policy"
      load={() => api.vlanPolicy(projectId)}
      canEdit={canEdit}
      view={(policy) => <VlanPolicyView policy={policy} />}
      form={(policy, onSaved) => (
        <VlanPolicyForm projectId={projectId} policy={policy} onSaved={onSaved} />
      )}
    />
  );
}

function VlanPolicyView({ policy }: { policy: VlanPolicy }) {
  const roles = rolesByVlan(policy);
  return (
    <>
      {roles.length === 0 ? (
        <p>No VLAN ranges are set.</p>
      ) : (
        <Table labelledBy="policy-heading" columns={["Traffic role", "VLANs"]}>
          {roles.map(([role, ranges]) => (
            <tr key={role}>
              <th scope="row">{role}</th>
              <td>{formatRanges(ranges)}</td>
            </tr>
          ))}
        </Table>
      )}
      <h3 id="forbidden-heading">Never routed to each other</h3>
      {policy.forbidden_pairs.length === 0 ? (
        <p>Any roles may be routed to each other.</p>
      ) : (
        <ul aria-labelledby="forbidden-heading">
          {policy.forbidden_pairs.map(([a, b]) => (
            <li key={`${a}|${b}`}>
              {a} and {b}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function VlanPolicyForm(props: {
  projectId: number;
  policy: VlanPolicy;
  onSaved: (policy: VlanPolicy) => void;
}) {
  const [rows, setRows] = useState(() => policyRows(props.policy));
  const [saved, setSaved] = useState(false);
  const { problems, setProblems, busy, submit } = useSubmit((path) => policyErrorKey(path, rows));
  const setRole = (row: number, change: Partial<PolicyRows["roles"][number]>) =>
    setRows({ ...rows, roles: rows.roles.map((r, i) => (i === row ? { ...r, ...change } : r)) });
  const setPair = (row: number, side: 0 | 1, role: string) =>
    setRows({
      ...rows,
      pairs: rows.pairs.map((p, i): [string, string] =>
        i !== row ? p : side === 0 ? [role, p[1]] : [p[0], role],
      ),
    });
  const save = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const result = policyFromRows(rows);
    if ("problems" in result) {
      setProblems(result.problems);
      return;
    }
    void submit(async () => {
      const policy = await api.setVlanPolicy(props.projectId, result.policy);
      props.onSaved(policy);
      setRows(policyRows(policy));
      setSaved(true);
    });
  };
  /** An input whose errors are those under `key`, shown below it as `policy-<key>-error`. */
  const field = (key: string, label: string, value: string, onChange: (v: string) => void) => (
    <CellInput
      id={`policy-${key.replace(":", "-")}`}
      value={value}
      aria-label={label}
      errors={problems[key]}
      onChange={onChange}
    />
  );
  /** A pair's two inputs share the errors the server reports for the pair. */
  const pairField = (row: number, side: 0 | 1, value: string) => (
    <Input
      id={`policy-pair-${row}-${side}`}
      value={value}
      aria-label={`Pair ${row + 1}, ${side === 0 ? "first" : "second"} role`}
      errors={problems[`pair:${row}`]}
      errorsId={`policy-pair-${row}-error`}
      onChange={(role) => setPair(row, side, role)}
    />
  );
  return (
    <form onSubmit={save} noValidate aria-label="VLAN policy">
      <Alert messages={problems[BODY]} />
      <Alert messages={problems.ranges} />
      <Table
        labelledBy="policy-heading"
        className="policy"
        columns={["Traffic role", "VLANs (e.g. 10-19, 42)", "Remove"]}
      >
        {rows.roles.map((row, i) => {
          const name = row.role.trim() || `row ${i + 1}`;
          return (
            <tr key={i}>
              <td>
                {field(`role:${i}`, `Traffic role ${i + 1}`, row.role, (role) =>
                  setRole(i, { role }),
                )}
              </td>
              <td>
                {field(`ranges:${i}`, `VLANs of ${name}`, row.ranges, (ranges) =>
                  setRole(i, { ranges }),
                )}
              </td>
              <td>
                <button
                  type="button"
                  aria-label={`Remove ${name}`}
                  onClick={() => setRows({ ...rows, roles: rows.roles.filter((_, j) => j !== i) })}
                >
                  Remove
                </button>
              </td>
            </tr>
          );
        })}
      </Table>
      <button
        type="button"
        onClick={() => setRows({ ...rows, roles: [...rows.roles, { role: "", ranges: "" }] })}
      >
        Add a role
      </button>
      <h3 id="forbidden-heading">Never routed to each other</h3>
      <Alert messages={problems.forbidden_pairs} />
      <ul className="pairs" aria-labelledby="forbidden-heading">
        {rows.pairs.map(([a, b], i) => (
          <li key={i}>
            {pairField(i, 0, a)} and {pairField(i, 1, b)}{" "}
            <button
              type="button"
              aria-label={`Remove pair ${i + 1}`}
              onClick={() => setRows({ ...rows, pairs: rows.pairs.filter((_, j) => j !== i) })}
            >
              Remove
            </button>
            <FieldErrors id={`policy-pair-${i}-error`} messages={problems[`pair:${i}`]} />
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => setRows({ ...rows, pairs: [...rows.pairs, ["", ""]] })}>
        Add a pair
      </button>
      <p>
        <button type="submit" disabled={busy}>
          Save policy
        </button>{" "}
        <span role="status">{saved ? "Policy saved." : ""}</span>
      </p>
    </form>
  );
}
