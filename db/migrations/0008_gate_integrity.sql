CREATE TABLE "finding_merges" (
	"finding_id" text PRIMARY KEY NOT NULL,
	"service_id" text NOT NULL,
	"fingerprint" text NOT NULL,
	"merged_into" text NOT NULL,
	"merged_at" timestamp with time zone NOT NULL,
	"scan_id" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "merged_fingerprints" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "scans" ADD COLUMN "generated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "scans" ADD COLUMN "scanned_at" timestamp with time zone;--> statement-breakpoint
-- Reports stored before this migration are dated by their receipt, as they were measured until now.
UPDATE "scans" SET "scanned_at" = "received_at";--> statement-breakpoint
ALTER TABLE "scans" ALTER COLUMN "scanned_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "scans" ADD COLUMN "target" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "scans" ADD COLUMN "scope_keys" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
-- Lifecycle scopes gain the subject (artifact or source) and the target: existing rows take their last scan's subject.
UPDATE "scans" s SET "scope_keys" = ARRAY(
  SELECT s."branch" || chr(1) || (p ->> 'tool') || chr(1) || coalesce(p ->> 'category', '') || chr(1) ||
         CASE WHEN s."artifact" IS NULL THEN 'source' ELSE 'artifact' END || chr(1)
  FROM jsonb_array_elements(s."parts") p);--> statement-breakpoint
UPDATE "finding_scopes" fs SET "scope_key" = fs."scope_key" || chr(1) ||
  coalesce((SELECT CASE WHEN s."artifact" IS NULL THEN 'source' ELSE 'artifact' END FROM "scans" s WHERE s."id" = fs."last_scan_id"), 'source')
  || chr(1);--> statement-breakpoint
-- What ran where is a record like the decision that let it in: nobody changes it later.
CREATE TRIGGER deployments_append_only BEFORE UPDATE OR DELETE ON deployments
  FOR EACH ROW EXECUTE FUNCTION gatehouse_reject_change();--> statement-breakpoint
CREATE TRIGGER deployments_no_truncate BEFORE TRUNCATE ON deployments
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_reject_change();--> statement-breakpoint
CREATE TRIGGER finding_merges_append_only BEFORE UPDATE OR DELETE ON finding_merges
  FOR EACH ROW EXECUTE FUNCTION gatehouse_reject_change();
