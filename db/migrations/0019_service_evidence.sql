CREATE TABLE "service_evidence" (
	"service_id" text NOT NULL,
	"kind" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"scanned_at" timestamp with time zone NOT NULL,
	CONSTRAINT "service_evidence_service_id_kind_pk" PRIMARY KEY("service_id","kind")
);
--> statement-breakpoint
ALTER TABLE "service_evidence" ADD CONSTRAINT "service_evidence_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployments_bypass_idx" ON "deployments" USING btree ("deployed_at") WHERE "deployments"."bypass";--> statement-breakpoint
-- The rows of one scan: each evidence kind of a complete scan, and '*' for any scan.
CREATE OR REPLACE FUNCTION gatehouse_scan_evidence_kinds(status text, evidence text[]) RETURNS SETOF text
  LANGUAGE sql IMMUTABLE AS $$
  SELECT e FROM unnest(evidence) e WHERE status = 'complete' AND e IS NOT NULL UNION SELECT '*'
$$;
--> statement-breakpoint
-- New scans move their services' newest times forward, in the inserting transaction.
CREATE OR REPLACE FUNCTION gatehouse_service_evidence_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO service_evidence AS se (service_id, kind, received_at, scanned_at)
  SELECT n.service_id, k.kind, max(n.received_at), max(n.scanned_at)
  FROM new_scans n CROSS JOIN LATERAL gatehouse_scan_evidence_kinds(n.status, n.evidence) k(kind)
  GROUP BY n.service_id, k.kind
  ORDER BY n.service_id, k.kind
  ON CONFLICT (service_id, kind) DO UPDATE
    SET received_at = greatest(se.received_at, excluded.received_at),
        scanned_at = greatest(se.scanned_at, excluded.scanned_at);
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Scans are never changed or deleted by Gatehouse; if someone does, the services concerned are counted again.
CREATE OR REPLACE FUNCTION gatehouse_service_evidence_recount() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM service_evidence WHERE true;
    RETURN NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    ids := array(SELECT service_id FROM old_scans UNION SELECT service_id FROM new_scans);
  ELSE
    ids := array(SELECT DISTINCT service_id FROM old_scans);
  END IF;
  DELETE FROM service_evidence WHERE service_id = ANY(ids);
  INSERT INTO service_evidence (service_id, kind, received_at, scanned_at)
  SELECT sc.service_id, k.kind, max(sc.received_at), max(sc.scanned_at)
  FROM scans sc CROSS JOIN LATERAL gatehouse_scan_evidence_kinds(sc.status, sc.evidence) k(kind)
  WHERE sc.service_id = ANY(ids)
  GROUP BY sc.service_id, k.kind;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER scans_service_evidence_insert AFTER INSERT ON scans
  REFERENCING NEW TABLE AS new_scans FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_service_evidence_added();
--> statement-breakpoint
CREATE TRIGGER scans_service_evidence_update AFTER UPDATE ON scans
  REFERENCING OLD TABLE AS old_scans NEW TABLE AS new_scans FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_service_evidence_recount();
--> statement-breakpoint
CREATE TRIGGER scans_service_evidence_delete AFTER DELETE ON scans
  REFERENCING OLD TABLE AS old_scans FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_service_evidence_recount();
--> statement-breakpoint
CREATE TRIGGER scans_service_evidence_truncate AFTER TRUNCATE ON scans
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_service_evidence_recount();
--> statement-breakpoint
-- Every scan received before this migration.
INSERT INTO service_evidence (service_id, kind, received_at, scanned_at)
SELECT sc.service_id, k.kind, max(sc.received_at), max(sc.scanned_at)
FROM scans sc CROSS JOIN LATERAL gatehouse_scan_evidence_kinds(sc.status, sc.evidence) k(kind)
GROUP BY sc.service_id, k.kind;
