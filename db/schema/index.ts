export * from "./api-tokens";
export * from "./audit-events";
export * from "./findings";
export * from "./scans";
export * from "./services";
export * from "./stages";
export * from "./teams";
export * from "./gate";
