DROP INDEX "gate_decisions_evaluated_idx";--> statement-breakpoint
ALTER TABLE "score_snapshots" ADD COLUMN "posture" jsonb;--> statement-breakpoint
CREATE INDEX "findings_order_idx" ON "findings" USING btree ("status","severity_rank" DESC NULLS FIRST,"first_seen_at","id");--> statement-breakpoint
CREATE INDEX "gate_decisions_service_evaluated_idx" ON "gate_decisions" USING btree ("service_id","evaluated_at");--> statement-breakpoint
CREATE INDEX "gate_decisions_evaluated_idx" ON "gate_decisions" USING btree ("evaluated_at","service_id","stage","decision");--> statement-breakpoint
-- JIT compiles a plan once its estimated cost passes jit_above_cost: for the views' many small index probes that
-- estimate is large while the work is not, and compiling took 0.6 s of a 0.65 s posture query. Off for this database
-- (new sessions) and for this session; a role without the right to alter the database keeps its setting.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'jit left as it is: this role may not alter database %', current_database();
END $$;--> statement-breakpoint
SET jit = off;
