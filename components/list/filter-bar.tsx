import Link from "next/link";
import { Pill } from "@/components/ui/badges";
import { FilterForm, Hidden, SelectFilter, TextFilter } from "@/components/ui/filter-form";

export type FilterOption = string | { value: string; label: string };
type Value = string | number | undefined;

/**
 * One filter of a list page, declared as data: the page lists its filters, the bar renders them.
 * `pinned` is a filter set by a link (no control of its own): shown as a chip with a link that removes it.
 */
export type FilterField =
  | { kind: "search"; name: string; label: string; value: Value; placeholder?: string }
  | { kind: "select"; name: string; label: string; value: Value; options: readonly FilterOption[]; anyLabel?: string }
  | { kind: "hidden"; name: string; value: Value }
  | { kind: "pinned"; name: string; label: string; value: Value; removeHref: string };

type Pinned = Extract<FilterField, { kind: "pinned" }>;

export type FilterBarProps = { action: string; label: string; fields: readonly FilterField[] };

const str = (v: Value) => (v === undefined ? undefined : String(v));

/** Options for a select of teams or services, by slug. */
export const slugOptions = (rows: readonly { slug: string; name: string }[]): FilterOption[] =>
  rows.map((r) => ({ value: r.slug, label: r.name }));

export function FilterBar({ action, label, fields }: FilterBarProps) {
  const pinned = fields.filter((f): f is Pinned => f.kind === "pinned" && f.value !== undefined);
  return (
    <>
      <FilterForm action={action} label={label}>
        {fields.map((f) => {
          switch (f.kind) {
            case "search":
              return <TextFilter key={f.name} name={f.name} label={f.label} value={str(f.value)} placeholder={f.placeholder} />;
            case "select":
              return (
                <SelectFilter
                  key={f.name}
                  name={f.name}
                  label={f.label}
                  value={str(f.value)}
                  options={f.options}
                  anyLabel={f.anyLabel}
                />
              );
            case "hidden":
            case "pinned":
              return <Hidden key={f.name} name={f.name} value={str(f.value)} />;
          }
        })}
      </FilterForm>
      {pinned.map((f) => (
        <p key={f.name} className="text-sm">
          {f.label}: <Pill tone="blue">{f.value}</Pill>{" "}
          <Link className="text-brand-700 underline" href={f.removeHref}>
            remove
          </Link>
        </p>
      ))}
    </>
  );
}
