// Operator commands for people and sign-in (admin create, user …).
import type { Command } from "./command-kit";

export const AUTH_COMMANDS: Command[] = [];
