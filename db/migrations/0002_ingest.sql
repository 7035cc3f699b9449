CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"service_ids" text[],
	"name" text NOT NULL,
	"hash" text NOT NULL,
	"display_prefix" text NOT NULL,
	"scopes" text[] NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"last_used_at" timestamp with time zone,
	"last_used_ip" text,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "finding_scopes" (
	"finding_id" text NOT NULL,
	"service_id" text NOT NULL,
	"scope_key" text NOT NULL,
	"branch" text NOT NULL,
	"tool" text NOT NULL,
	"category" text NOT NULL,
	"status" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"reopened_count" integer DEFAULT 0 NOT NULL,
	"last_scan_id" text NOT NULL,
	CONSTRAINT "finding_scopes_finding_id_scope_key_pk" PRIMARY KEY("finding_id","scope_key")
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" text PRIMARY KEY NOT NULL,
	"service_id" text NOT NULL,
	"fingerprint" text NOT NULL,
	"kind" text NOT NULL,
	"risk_area" smallint NOT NULL,
	"severity" text NOT NULL,
	"severity_rank" smallint NOT NULL,
	"status" text NOT NULL,
	"suppressed" integer DEFAULT 0 NOT NULL,
	"rule_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"vulnerability_id" text,
	"aliases" text[] NOT NULL,
	"cwes" integer[] NOT NULL,
	"cvss_score" real,
	"cvss_vector" text,
	"package_purl" text,
	"package_key" text,
	"package_ecosystem" text,
	"package_name" text,
	"package_version" text,
	"fixed_versions" text[] NOT NULL,
	"file" text,
	"start_line" integer,
	"end_line" integer,
	"snippet_hash" text,
	"resource" text,
	"url" text,
	"image" text,
	"secret_hash" text,
	"secret_preview" text,
	"remediation" text,
	"references" text[] NOT NULL,
	"properties" jsonb,
	"tools" text[] NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"first_commit" text NOT NULL,
	"last_commit" text NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "instance_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scan_findings" (
	"scan_id" text NOT NULL,
	"finding_id" text NOT NULL,
	"service_id" text NOT NULL,
	"commit" text NOT NULL,
	"severity_rank" smallint NOT NULL,
	"suppressed" integer DEFAULT 0 NOT NULL,
	"start_line" integer,
	CONSTRAINT "scan_findings_scan_id_finding_id_pk" PRIMARY KEY("scan_id","finding_id")
);
--> statement-breakpoint
CREATE TABLE "scans" (
	"id" text PRIMARY KEY NOT NULL,
	"service_id" text NOT NULL,
	"commit" text NOT NULL,
	"branch" text NOT NULL,
	"artifact" text,
	"stage" text,
	"pipeline_run" text,
	"format" text NOT NULL,
	"tool_name" text NOT NULL,
	"tool_version" text,
	"status" text NOT NULL,
	"failure_reason" text,
	"evidence" text[] NOT NULL,
	"parts" jsonb NOT NULL,
	"scanner_db_built_at" timestamp with time zone,
	"sbom_format" text,
	"sbom_components" integer,
	"report_sha256" text NOT NULL,
	"report_bytes" integer NOT NULL,
	"dedup_key" text NOT NULL,
	"idempotency_key" text,
	"token_id" text,
	"statistics" jsonb NOT NULL,
	"warnings" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_scopes" ADD CONSTRAINT "finding_scopes_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scan_findings" ADD CONSTRAINT "scan_findings_scan_id_scans_id_fk" FOREIGN KEY ("scan_id") REFERENCES "public"."scans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scan_findings" ADD CONSTRAINT "scan_findings_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scans" ADD CONSTRAINT "scans_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_team_idx" ON "api_tokens" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "finding_scopes_scope_idx" ON "finding_scopes" USING btree ("service_id","scope_key","status");--> statement-breakpoint
CREATE UNIQUE INDEX "findings_service_fingerprint_uq" ON "findings" USING btree ("service_id","fingerprint");--> statement-breakpoint
CREATE INDEX "findings_service_status_idx" ON "findings" USING btree ("service_id","status","severity_rank","risk_area");--> statement-breakpoint
CREATE INDEX "findings_vuln_idx" ON "findings" USING btree ("vulnerability_id") WHERE "findings"."vulnerability_id" is not null;--> statement-breakpoint
CREATE INDEX "findings_package_idx" ON "findings" USING btree ("service_id","package_key") WHERE "findings"."package_key" is not null;--> statement-breakpoint
CREATE INDEX "scan_findings_commit_idx" ON "scan_findings" USING btree ("service_id","commit","finding_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scans_dedup_key_uq" ON "scans" USING btree ("dedup_key");--> statement-breakpoint
CREATE UNIQUE INDEX "scans_idempotency_uq" ON "scans" USING btree ("service_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "scans_service_commit_idx" ON "scans" USING btree ("service_id","commit");--> statement-breakpoint
CREATE INDEX "scans_service_received_idx" ON "scans" USING btree ("service_id","received_at");