// Operator commands for machine tokens and the audit trail (token list|revoke|rotate, audit export).
import type { Command } from "./command-kit";

export const ACCESS_COMMANDS: Command[] = [];
