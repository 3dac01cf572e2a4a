// A load balancer's nested fields in the inspector: the subnet its VIP is on, its members
// (instance, port, weight) and its health check. The flat fields (name, VIP address, port,
// algorithm) are the inspector's own.
import type { TopologyDocument } from "../generated/document";
import { elementsOf, type AnyElement } from "../model/operations";

interface Member {
  instance: string;
  port: number;
  weight?: number;
}

interface HealthCheck {
  type?: "tcp" | "http";
  interval?: number;
  timeout?: number;
  rise?: number;
  fall?: number;
  http_path?: string;
}

const CHECK_NUMBERS = [
  { name: "interval", label: "Interval (s)", fallback: 2, step: 0.1 },
  { name: "timeout", label: "Timeout (s)", fallback: 1, step: 0.1 },
  { name: "rise", label: "Rise", fallback: 2, step: 1 },
  { name: "fall", label: "Fall", fallback: 3, step: 1 },
] as const;

export function LoadBalancerFields(props: {
  document: TopologyDocument;
  element: AnyElement;
  disabled: boolean;
  onSet: (set: Record<string, unknown>) => void;
}) {
  const { document, element, disabled, onSet } = props;
  const members = (element.members as Member[] | undefined) ?? [];
  const check = (element.health_check as HealthCheck | undefined) ?? {};
  const setMembers = (next: Member[]) => onSet({ members: next });
  const setCheck = (change: HealthCheck) => onSet({ health_check: { ...check, ...change } });
  const names = new Map(
    elementsOf(document, "instances").map((i) => [i.id, String(i.name || i.id)]),
  );
  return (
    <fieldset className="balancer-fields" aria-label="Load balancer">
      <label htmlFor="field-lb-subnet">VIP subnet</label>
      <select
        id="field-lb-subnet"
        value={String(element.subnet ?? "")}
        disabled={disabled}
        onChange={(event) => onSet({ subnet: event.target.value, vip_address: null })}
      >
        {elementsOf(document, "subnets").map((subnet) => (
          <option key={subnet.id} value={subnet.id}>
            {String(subnet.name || subnet.id)} ({String(subnet.cidr)})
          </option>
        ))}
      </select>
      <table aria-label="Members">
        <thead>
          <tr>
            <th>Instance</th>
            <th>Port</th>
            <th>Weight</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {members.map((member, index) => (
            <tr key={member.instance} data-member={member.instance}>
              <td>{names.get(member.instance) ?? member.instance}</td>
              <td>
                <NumberInput
                  label={`Port of ${member.instance}`}
                  value={member.port}
                  step={1}
                  disabled={disabled}
                  onCommit={(port) =>
                    setMembers(members.map((m, i) => (i === index ? { ...m, port } : m)))
                  }
                />
              </td>
              <td>
                <NumberInput
                  label={`Weight of ${member.instance}`}
                  value={member.weight ?? 1}
                  step={1}
                  disabled={disabled}
                  onCommit={(weight) =>
                    setMembers(members.map((m, i) => (i === index ? { ...m, weight } : m)))
                  }
                />
              </td>
              <td>
                {!disabled && (
                  <button
                    type="button"
                    aria-label={`Remove member ${member.instance}`}
                    onClick={() => setMembers(members.filter((_, i) => i !== index))}
                  >
                    ×
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {members.length === 0 && (
        <p className="muted">No members: draw a line from an instance to add one.</p>
      )}
      <label htmlFor="field-lb-check-type">Health check</label>
      <select
        id="field-lb-check-type"
        value={check.type ?? "tcp"}
        disabled={disabled}
        onChange={(event) => setCheck({ type: event.target.value as "tcp" | "http" })}
      >
        <option value="tcp">tcp</option>
        <option value="http">http</option>
      </select>
      {CHECK_NUMBERS.map((spec) => (
        <NumberInput
          key={spec.name}
          label={spec.label}
          value={check[spec.name] ?? spec.fallback}
          step={spec.step}
          disabled={disabled}
          onCommit={(value) => setCheck({ [spec.name]: value })}
          visibleLabel
        />
      ))}
      {check.type === "http" && (
        <>
          <label htmlFor="field-lb-check-path">Path</label>
          <input
            id="field-lb-check-path"
            key={check.http_path ?? "/"}
            defaultValue={check.http_path ?? "/"}
            disabled={disabled}
            onBlur={(event) => {
              if (event.target.value !== (check.http_path ?? "/"))
                setCheck({ http_path: event.target.value });
            }}
          />
        </>
      )}
    </fieldset>
  );
}

function NumberInput(props: {
  label: string;
  value: number;
  step: number;
  disabled: boolean;
  onCommit: (value: number) => void;
  visibleLabel?: boolean;
}) {
  const { label, value, step, disabled, onCommit, visibleLabel } = props;
  const input = (
    <input
      type="number"
      aria-label={label}
      step={step}
      key={value}
      defaultValue={value}
      disabled={disabled}
      onBlur={(event) => {
        const next = Number(event.target.value);
        if (event.target.value !== "" && Number.isFinite(next) && next !== value) onCommit(next);
      }}
      onKeyDown={(event) => {
        if (event.key === "Enter") event.currentTarget.blur();
      }}
    />
  );
  return visibleLabel ? (
    <label>
      {label} {input}
    </label>
  ) : (
    input
  );
}
