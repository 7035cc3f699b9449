import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/trpc/root";

/** What each tRPC procedure returns, for components that render it. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
