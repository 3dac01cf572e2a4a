// The class's invite codes (instructors): make one, copy it to hand out, revoke it. Students
// who joined with a revoked code stay enrolled.
import { useRef, useState } from "react";
import { labsApi, type Invite } from "../../api/labs";
import { problemsOf } from "../project/helpers";
import { Section, Table, useLoaded } from "../project/section";
import { formatTime } from "./GoalResults";

export function InvitesSection({ project }: { project: number }) {
  const [invites, setInvites, loadError] = useLoaded(() => labsApi.invites(project), "invites");
  const [error, setError] = useState<string[] | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(Object.values(problemsOf(caught, () => null)).flat());
    } finally {
      setBusy(false);
    }
  };
  const create = () =>
    run(async () => {
      const invite = await labsApi.createInvite(project);
      setInvites((list) => [invite, ...(list ?? [])]);
    });
  const revoke = (invite: Invite) =>
    run(async () => {
      await labsApi.revokeInvite(project, invite.id);
      setInvites(await labsApi.invites(project));
    });
  return (
    <Section
      id="invites-heading"
      title="Invite codes"
      intro="Students join the class with a code, and then see its published labs."
      error={loadError ?? error}
    >
      {invites?.length === 0 && <p>No invite codes yet.</p>}
      {invites && invites.length > 0 && (
        <Table
          labelledBy="invites-heading"
          className="invites"
          columns={["Code", "Made", "State", "Revoke"]}
        >
          {invites.map((invite) => (
            <tr key={invite.id}>
              <th scope="row">
                <InviteCode code={invite.code} active={invite.active} />
              </th>
              <td>{formatTime(invite.created_at)}</td>
              <td className={invite.active ? undefined : "muted"}>
                {invite.revoked_at
                  ? `revoked ${formatTime(invite.revoked_at)}`
                  : invite.active
                    ? invite.expires_at
                      ? `active until ${formatTime(invite.expires_at)}`
                      : "active"
                    : "expired"}
              </td>
              <td>
                {invite.revoked_at === null && (
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => void revoke(invite)}
                    aria-label={`Revoke ${invite.code}`}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <button type="button" disabled={busy} onClick={() => void create()}>
        Create invite code
      </button>
    </Section>
  );
}

function InviteCode({ code, active }: { code: string; active: boolean }) {
  const [status, setStatus] = useState("");
  const field = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setStatus("Copied.");
    } catch {
      // Without clipboard access the code is selected for the person to copy.
      field.current?.select();
      setStatus("Selected: press Ctrl+C to copy.");
    }
  };
  return (
    <span className="invite-code">
      <input
        ref={field}
        readOnly
        value={code}
        aria-label="Invite code"
        className={active ? "code" : "code muted"}
      />{" "}
      {active && (
        <button type="button" onClick={() => void copy()} aria-label={`Copy ${code}`}>
          Copy
        </button>
      )}{" "}
      <span role="status" className="muted">
        {status}
      </span>
    </span>
  );
}
