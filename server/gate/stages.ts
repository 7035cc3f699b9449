import { asc, eq } from "drizzle-orm";
import { stages } from "@/db/schema";
import type { ServiceContext } from "../context";
import { DomainError } from "../errors";

export type StageRef = { slug: string; name: string; position: number; previous: string | null };

/** The stage and the one before it in promotion order; 404 for an unknown stage. */
export async function stageBySlug(ctx: Pick<ServiceContext, "db">, slug: string): Promise<StageRef> {
  return stageIn(await ctx.db.select().from(stages).orderBy(asc(stages.position)), slug);
}

/** The stage and the one before it among every stage, in promotion order (pure); 404 for an unknown stage. */
export function stageIn(all: readonly { slug: string; name: string; position: number }[], slug: string): StageRef {
  const i = all.findIndex((s) => s.slug === slug);
  if (i < 0) {
    throw new DomainError(
      "not_found",
      `Stage "${slug}" does not exist. Stages: ${all.map((s) => s.slug).join(", ")}.`,
      "unknown-stage",
    );
  }
  const s = all[i]!;
  return { slug: s.slug, name: s.name, position: s.position, previous: i > 0 ? all[i - 1]!.slug : null };
}

export async function stageExists(ctx: Pick<ServiceContext, "db">, slug: string): Promise<boolean> {
  return (await ctx.db.select({ slug: stages.slug }).from(stages).where(eq(stages.slug, slug)).limit(1)).length > 0;
}

/** Every stage in promotion order. */
export async function listStages(ctx: Pick<ServiceContext, "db">): Promise<{ slug: string; name: string }[]> {
  return ctx.db.select({ slug: stages.slug, name: stages.name }).from(stages).orderBy(asc(stages.position));
}
