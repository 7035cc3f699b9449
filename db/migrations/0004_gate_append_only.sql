-- Gate decisions and policy versions are records: nobody changes them later.
CREATE TRIGGER gate_decisions_append_only BEFORE UPDATE OR DELETE ON gate_decisions
  FOR EACH ROW EXECUTE FUNCTION gatehouse_reject_change();
--> statement-breakpoint
CREATE TRIGGER gate_decisions_no_truncate BEFORE TRUNCATE ON gate_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_reject_change();
--> statement-breakpoint
CREATE TRIGGER policies_append_only BEFORE UPDATE OR DELETE ON policies
  FOR EACH ROW EXECUTE FUNCTION gatehouse_reject_change();
