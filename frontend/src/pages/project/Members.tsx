// The project's members and their roles; an owner changes roles, removes members and adds them.
import { useState } from "react";
import { api, type Me, type Member, type Role } from "../../api/client";
import { CreateForm, Field, FieldErrors, Select, TextField, useFields, useSubmit } from "./form";
import { BODY, fieldsNamed } from "./helpers";
import { Alert, Section, Table, useLoaded } from "./section";

const ROLES: Role[] = ["viewer", "editor", "owner"];

export function MembersSection(props: {
  projectId: number;
  me: Me;
  canManage: boolean;
  onOwnChange: () => void;
}) {
  const [members, setMembers, error] = useLoaded(() => api.members(props.projectId), "members");
  const replace = (changed: Member) => {
    setMembers((list) => list && list.map((m) => (m.username === changed.username ? changed : m)));
    if (changed.username === props.me.user?.username) props.onOwnChange();
  };
  const remove = (username: string) => {
    setMembers((list) => list && list.filter((m) => m.username !== username));
    if (username === props.me.user?.username) props.onOwnChange();
  };
  const add = (added: Member) =>
    setMembers((list) =>
      [...(list ?? []), added].sort((a, b) => a.username.localeCompare(b.username)),
    );
  return (
    <Section id="members-heading" title="Members" error={error}>
      {members && (
        <Table
          labelledBy="members-heading"
          columns={props.canManage ? ["Username", "Role", "Remove"] : ["Username", "Role"]}
        >
          {members.map((member) =>
            props.canManage ? (
              <MemberRow
                key={member.username}
                projectId={props.projectId}
                member={member}
                onChanged={replace}
                onRemoved={remove}
              />
            ) : (
              <tr key={member.username}>
                <th scope="row">{member.username}</th>
                <td>{member.role}</td>
              </tr>
            ),
          )}
        </Table>
      )}
      {props.canManage && <AddMemberForm projectId={props.projectId} onAdded={add} />}
    </Section>
  );
}

function RoleSelect(props: {
  id: string;
  value: Role;
  onChange: (role: Role) => void;
  errors: string[] | undefined;
  label?: string;
}) {
  return (
    <Select
      id={props.id}
      value={props.value}
      label={props.label}
      errors={props.errors}
      onChange={(role) => props.onChange(role as Role)}
    >
      {ROLES.map((role) => (
        <option key={role} value={role}>
          {role}
        </option>
      ))}
    </Select>
  );
}

function MemberRow(props: {
  projectId: number;
  member: Member;
  onChanged: (member: Member) => void;
  onRemoved: (username: string) => void;
}) {
  const { username } = props.member;
  const [role, setRole] = useState<Role>(props.member.role);
  const { problems, setProblems, busy, submit } = useSubmit(fieldsNamed("role"));
  const id = `member-${props.member.user}`;
  const pick = (picked: Role) => {
    setRole(picked);
    setProblems({}); // the refusal was about the role picked before
  };
  const change = () =>
    submit(async () => props.onChanged(await api.setMemberRole(props.projectId, username, role)));
  const remove = () =>
    submit(async () => {
      await api.removeMember(props.projectId, username);
      props.onRemoved(username);
    });
  return (
    <tr>
      <th scope="row">{username}</th>
      <td>
        <RoleSelect
          id={`${id}-role`}
          label={`Role of ${username}`}
          value={role}
          onChange={pick}
          errors={problems.role}
        />{" "}
        <button
          type="button"
          onClick={change}
          disabled={busy || role === props.member.role}
          aria-label={`Change role of ${username}`}
        >
          Change role
        </button>
        <FieldErrors id={`${id}-role-error`} messages={problems.role} />
        <Alert messages={problems[BODY]} />
      </td>
      <td>
        <button type="button" onClick={remove} disabled={busy} aria-label={`Remove ${username}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function AddMemberForm(props: { projectId: number; onAdded: (member: Member) => void }) {
  const form = useFields({ username: "", role: "viewer" as Role });
  const add = () =>
    void form.submit(async () => {
      const { username, role } = form.values;
      props.onAdded(await api.addMember(props.projectId, username.trim(), role));
      form.setValues((values) => ({ ...values, username: "" }));
    });
  return (
    <CreateForm id="add-member" title="Add a member" button="Add member" form={form} onSubmit={add}>
      <TextField id="member-username" label="Username" {...form.bind("username")} required />
      <Field id="member-role" label="Role" errors={form.problems.role}>
        <RoleSelect id="member-role" {...form.bind("role")} />
      </Field>
    </CreateForm>
  );
}
