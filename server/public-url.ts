import { hasRuntime, runtime } from "./runtime";

/** The URL people use to reach this instance (GATEHOUSE_PUBLIC_URL), for links in API answers. */
export const runtimePublicUrl = (): string =>
  hasRuntime() ? runtime().publicUrl : (process.env.GATEHOUSE_PUBLIC_URL ?? "http://localhost:3000");
