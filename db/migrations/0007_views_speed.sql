DROP INDEX "gate_decisions_evaluated_idx";--> statement-breakpoint
ALTER TABLE "score_snapshots" ADD COLUMN "posture" jsonb;--> statement-breakpoint
CREATE INDEX "findings_order_idx" ON "findings" USING btree ("status","severity_rank" DESC NULLS FIRST,"first_seen_at","id");--> statement-breakpoint
CREATE INDEX "gate_decisions_service_evaluated_idx" ON "gate_decisions" USING btree ("service_id","evaluated_at");--> statement-breakpoint
CREATE INDEX "gate_decisions_evaluated_idx" ON "gate_decisions" USING btree ("evaluated_at","service_id","stage","decision");
