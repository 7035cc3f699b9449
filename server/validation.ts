import { z } from "zod";

export const slugSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lower-case letters, digits and inner dashes only");

/** A git commit hash, stored lower-cased. */
export const commitSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{7,64}$/, "must be a git commit hash (7–64 hex characters)")
  .transform((s) => s.toLowerCase());

/** An image or artifact digest, stored lower-cased. */
export const artifactSchema = z
  .string()
  .regex(/^sha256:[0-9a-fA-F]{64}$/, "must be an image or artifact digest: sha256:<64 hex>")
  .transform((s) => s.toLowerCase());
