CREATE TABLE "gate_inputs" (
	"service_id" text NOT NULL,
	"scans_key" text NOT NULL,
	"version" bigint NOT NULL,
	"finding_count" integer NOT NULL,
	"findings" text NOT NULL,
	"kept_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gate_inputs_service_id_scans_key_pk" PRIMARY KEY("service_id","scans_key")
);
--> statement-breakpoint
ALTER TABLE "services" ADD COLUMN "findings_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "gate_inputs" ADD CONSTRAINT "gate_inputs_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Kept uncompressed: written by the first gate of a commit and read by the next ones, where compressing (and expanding)
-- ≈ 200 KB per row cost more CPU than the space it saved.
ALTER TABLE "gate_inputs" ALTER COLUMN "findings" SET STORAGE EXTERNAL;
