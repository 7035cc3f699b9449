CREATE TABLE "deployments" (
	"id" text PRIMARY KEY NOT NULL,
	"service_id" text NOT NULL,
	"stage" text NOT NULL,
	"commit" text NOT NULL,
	"artifact" text,
	"decision_id" text,
	"bypass" boolean NOT NULL,
	"bypass_reason" text,
	"actor_label" text NOT NULL,
	"deployed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gate_decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"service_id" text NOT NULL,
	"stage" text NOT NULL,
	"commit" text NOT NULL,
	"artifact" text,
	"branch" text,
	"decision" text NOT NULL,
	"policy_id" text NOT NULL,
	"policy_version" integer NOT NULL,
	"response" jsonb NOT NULL,
	"actor_label" text NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" text PRIMARY KEY NOT NULL,
	"stage" text NOT NULL,
	"version" integer NOT NULL,
	"document" jsonb NOT NULL,
	"comment" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "waivers" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text,
	"service_id" text,
	"match_type" text NOT NULL,
	"match_value" text NOT NULL,
	"stages" text[],
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"approved_by" text,
	"approved_at" timestamp with time zone,
	"revoked_by" text,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_decisions" ADD CONSTRAINT "gate_decisions_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waivers" ADD CONSTRAINT "waivers_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waivers" ADD CONSTRAINT "waivers_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployments_service_stage_idx" ON "deployments" USING btree ("service_id","stage","deployed_at");--> statement-breakpoint
CREATE INDEX "gate_decisions_lookup_idx" ON "gate_decisions" USING btree ("service_id","stage","commit","evaluated_at");--> statement-breakpoint
CREATE INDEX "gate_decisions_evaluated_idx" ON "gate_decisions" USING btree ("evaluated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "policies_stage_version_uq" ON "policies" USING btree ("stage","version");--> statement-breakpoint
CREATE INDEX "waivers_service_idx" ON "waivers" USING btree ("service_id");--> statement-breakpoint
CREATE INDEX "waivers_match_idx" ON "waivers" USING btree ("match_type","match_value");