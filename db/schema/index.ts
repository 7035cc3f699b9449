export * from "./audit-events";
export * from "./services";
export * from "./stages";
export * from "./teams";
