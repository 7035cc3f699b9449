import { DataTable, type Column } from "@/components/list/data-table";
import type { RouterOutputs } from "@/components/trpc/types";
import { Pill } from "@/components/ui/badges";
import { TimeAgo } from "@/components/ui/time-ago";
import { UserActions } from "./user-actions";

type Person = RouterOutputs["teams"]["users"][number];

/** Every account, for administrators: role, teams, last sign-in, and the controls (never on one's own row). */
export function PeopleTable({ people, selfId, now }: { people: readonly Person[]; selfId: string; now: Date }) {
  const columns: Column<Person>[] = [
    {
      id: "person",
      header: "Person",
      cell: (p) => (
        <>
          <span className="font-medium">{p.name ?? p.email}</span>
          <span className="block text-xs break-all text-slate-600">{p.email}</span>
          {p.status === "disabled" ? <Pill tone="red">✕ disabled</Pill> : null}
        </>
      ),
    },
    { id: "role", header: "Role", className: "capitalize", cell: (p) => p.role },
    { id: "teams", header: "Teams", className: "text-xs", cell: (p) => (p.teams.length ? p.teams.join(", ") : "—") },
    {
      id: "last-sign-in",
      header: "Last sign-in",
      className: "whitespace-nowrap text-slate-700",
      cell: (p) => <TimeAgo iso={p.lastSignInAt?.toISOString() ?? null} now={now} />,
    },
    {
      id: "actions",
      header: "Actions",
      hideHeader: true,
      cell: (p) =>
        p.id === selfId ? (
          <span className="text-xs text-slate-500">you</span>
        ) : (
          <UserActions email={p.email} role={p.role} disabled={p.status === "disabled"} />
        ),
    },
  ];
  return <DataTable label="People" columns={columns} rows={people} rowKey={(p) => p.id} bleed />;
}
