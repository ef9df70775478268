import { useRef, useState, type FormEvent } from "react";
import { api, errorMessage, type Me, type Member, type Role } from "../api";
import { Confirm, ErrorText, Page, SecretOnce, Table, useLoad } from "../ui";

const ROLES: Role[] = ["owner", "admin", "member"];

export function MembersPage({ me }: { me: Me }) {
  const members = useLoad(() =>
    api<{ members: Member[]; total: number }>("GET", "/v1/settings/members?take=100"),
  );
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [invite, setInvite] = useState<{ email: string; link: string } | undefined>(undefined);
  const [removing, setRemoving] = useState<Member | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState("");
  /** Where focus goes once a removed member's button is gone. */
  const listHeading = useRef<HTMLHeadingElement>(null);

  const fail = (failure: unknown) => setError(errorMessage(failure));

  const inviteMember = (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    api<{ member: Member; inviteToken: string }>("POST", "/v1/settings/members", {
      email,
      name,
      role,
    }).then(({ member, inviteToken }) => {
      const link = `${window.location.origin}/#/accept-invite?token=${encodeURIComponent(inviteToken)}`;
      setInvite({ email: member.email, link });
      setEmail("");
      setName("");
      members.reload();
    }, fail);
  };

  const changeRole = (member: Member, next: Role) => {
    setError(undefined);
    api("PATCH", `/v1/settings/members/${member.id}`, { role: next }).then(
      () => {
        setStatus(`${member.email} is now ${next}.`);
        members.reload();
      },
      (failure: unknown) => {
        fail(failure);
        members.reload();
      },
    );
  };

  const remove = (member: Member) => {
    setRemoving(undefined);
    api("DELETE", `/v1/settings/members/${member.id}`).then(() => {
      setStatus(`${member.email} was removed.`);
      listHeading.current?.focus();
      members.reload();
    }, fail);
  };

  const myId = me.principal.id;
  return (
    <Page title="Members">
      <h2>Invite a member</h2>
      <form onSubmit={inviteMember} className="inline">
        <label>
          Email
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Invite</button>
      </form>
      <ErrorText error={error} />
      <p role="status">{status}</p>
      {invite && <SecretOnce label={`Invite link for ${invite.email}`} secret={invite.link} />}

      <h2 ref={listHeading} tabIndex={-1}>
        Members
      </h2>
      <ErrorText error={members.error} />
      <Table columns={["Name", "Email", "Role", "Status"]} actions empty="No members.">
        {members.data?.members.map((member) => (
          <tr key={member.id}>
            <td>{member.name}</td>
            <td>{member.email}</td>
            <td>
              <select
                aria-label={`Role of ${member.email}`}
                value={member.role}
                onChange={(e) => changeRole(member, e.target.value as Role)}
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </td>
            <td>{member.status}</td>
            <td>
              {member.id !== myId && (
                <button
                  type="button"
                  className="danger"
                  aria-label={`Remove ${member.email}`}
                  onClick={() => setRemoving(member)}
                >
                  Remove
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <p className="hint">The last owner of the organization cannot be removed or demoted.</p>
      {removing && (
        <Confirm
          question={`Remove ${removing.email} from the organization?`}
          confirmLabel="Remove member"
          onConfirm={() => remove(removing)}
          onCancel={() => setRemoving(undefined)}
        />
      )}
    </Page>
  );
}
