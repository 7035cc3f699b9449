-- Signed decisions are records like the decisions themselves: nobody changes or removes them later.
CREATE TRIGGER gate_attestations_append_only BEFORE UPDATE OR DELETE ON gate_attestations
  FOR EACH ROW EXECUTE FUNCTION gatehouse_reject_change();
--> statement-breakpoint
CREATE TRIGGER gate_attestations_no_truncate BEFORE TRUNCATE ON gate_attestations
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_reject_change();
--> statement-breakpoint
-- A public key stays published for verification: it is never deleted, and the only change allowed is
-- retiring it once (setting retired_at where it was null).
CREATE OR REPLACE FUNCTION gatehouse_signing_keys_retire_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.retired_at IS NULL AND NEW.retired_at IS NOT NULL
     AND NEW.id = OLD.id AND NEW.algorithm = OLD.algorithm AND NEW.public_key_pem = OLD.public_key_pem
     AND NEW.created_at = OLD.created_at AND NEW.created_by = OLD.created_by THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'table signing_keys: % is not allowed (a key can only be retired, once)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER signing_keys_retire_only BEFORE UPDATE OR DELETE ON signing_keys
  FOR EACH ROW EXECUTE FUNCTION gatehouse_signing_keys_retire_only();
--> statement-breakpoint
CREATE TRIGGER signing_keys_no_truncate BEFORE TRUNCATE ON signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_reject_change();
