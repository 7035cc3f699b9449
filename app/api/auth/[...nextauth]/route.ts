// Auth.js endpoints (sign-in callbacks, sign-out, session, CSRF). Configuration: server/auth/config.ts.
import { handlers } from "@/server/auth/config";

export const dynamic = "force-dynamic";
export const { GET, POST } = handlers;
