// The server components' tRPC caller: the same procedures (and checks) as /api/trpc, without HTTP. One per request.
import { cache } from "react";
import { createServerContext } from "./context";
import { createCaller } from "./root";

export const serverApi = cache(async () => createCaller(await createServerContext()));
