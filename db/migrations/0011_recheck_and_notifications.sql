CREATE TABLE "stage_status" (
	"service_id" text NOT NULL,
	"stage" text NOT NULL,
	"deployment_id" text NOT NULL,
	"commit" text NOT NULL,
	"artifact" text,
	"deployed_at" timestamp with time zone NOT NULL,
	"deploy_decision_id" text,
	"bypass" boolean NOT NULL,
	"status" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"checked_at" timestamp with time zone,
	"decision_id" text,
	"policy_version" integer,
	"checks" jsonb NOT NULL,
	"outcome_key" text,
	"due_at" timestamp with time zone,
	"reasons" text[] NOT NULL,
	"next_check_at" timestamp with time zone,
	"failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	CONSTRAINT "stage_status_service_id_stage_pk" PRIMARY KEY("service_id","stage")
);
--> statement-breakpoint
CREATE TABLE "notification_subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text,
	"channel" text NOT NULL,
	"target" text NOT NULL,
	"target_label" text NOT NULL,
	"secret" text,
	"events" text[] NOT NULL,
	"stages" text[],
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"removed_by" text,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notification_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"team_id" text,
	"service_id" text,
	"stage" text,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"subscription_id" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"give_up_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"lease_owner" text,
	"last_attempt_at" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_marks" (
	"key" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "gate_decisions_evaluated_idx";--> statement-breakpoint
ALTER TABLE "gate_decisions" ADD COLUMN "kind" text DEFAULT 'gate' NOT NULL;--> statement-breakpoint
ALTER TABLE "stage_status" ADD CONSTRAINT "stage_status_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_subscriptions" ADD CONSTRAINT "notification_subscriptions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_event_id_notification_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."notification_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_subscription_id_notification_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."notification_subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stage_status_due_idx" ON "stage_status" USING btree ("due_at");--> statement-breakpoint
CREATE INDEX "stage_status_next_check_idx" ON "stage_status" USING btree ("next_check_at");--> statement-breakpoint
CREATE INDEX "stage_status_stage_status_idx" ON "stage_status" USING btree ("stage","status");--> statement-breakpoint
CREATE INDEX "notification_subscriptions_team_idx" ON "notification_subscriptions" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "notification_events_occurred_idx" ON "notification_events" USING btree ("occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_deliveries_event_subscription_uq" ON "notification_deliveries" USING btree ("event_id","subscription_id");--> statement-breakpoint
CREATE INDEX "notification_deliveries_due_idx" ON "notification_deliveries" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "notification_deliveries_subscription_idx" ON "notification_deliveries" USING btree ("subscription_id","created_at");--> statement-breakpoint
CREATE INDEX "gate_decisions_evaluated_idx" ON "gate_decisions" USING btree ("evaluated_at","service_id","stage","decision","kind");