-- Stage policies are organisation-wide: a token bound to a team (or to services) can no longer hold policies:write.
-- Pipelines that used it to request waivers keep that as waivers:write. One audit event lists the tokens changed.
INSERT INTO audit_events (id, at, actor_type, actor_label, action, target_type, after)
SELECT 'aud_' || substr(encode(sha256(convert_to('0009_harden_data:tokens:' || string_agg(id, ',' ORDER BY id), 'UTF8')), 'hex'), 1, 26), now(), 'system',
       'system:migration', 'token.scopes_migrated', 'token',
       jsonb_build_object('tokens', jsonb_agg(id ORDER BY id), 'removed', 'policies:write', 'added', 'waivers:write',
                          'why', 'stage policies are organisation-wide: only an organisation token may hold policies:write')
  FROM api_tokens
 WHERE team_id IS NOT NULL AND 'policies:write' = ANY (scopes)
HAVING count(*) > 0;
--> statement-breakpoint
UPDATE api_tokens
   SET scopes = ARRAY(SELECT DISTINCT s FROM unnest(array_replace(scopes, 'policies:write', 'waivers:write')) AS s ORDER BY s)
 WHERE team_id IS NOT NULL AND 'policies:write' = ANY (scopes);
--> statement-breakpoint
-- An organisation token (no team) is bound to no service and holds policies:write and read only.
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_fit_binding CHECK (
  CASE WHEN team_id IS NULL THEN service_ids IS NULL AND scopes <@ ARRAY['policies:write', 'read']::text[]
       ELSE NOT ('policies:write' = ANY (scopes)) END
);
--> statement-breakpoint
-- False-positive marks expire too (at most 365 days from now on). A mark without an expiry gets one year from when it was
-- made; one already older than that gets 30 days from the upgrade, so that security can review it before it lapses.
INSERT INTO audit_events (id, at, actor_type, actor_label, action, target_type, after)
SELECT 'aud_' || substr(encode(sha256(convert_to('0009_harden_data:waivers:' || string_agg(id, ',' ORDER BY id), 'UTF8')), 'hex'), 1, 26), now(), 'system',
       'system:migration', 'waiver.expiry_set', 'waiver',
       jsonb_build_object('waivers', jsonb_agg(id ORDER BY id),
                          'why', 'false-positive marks expire: one year after they were made, at least 30 days after the upgrade')
  FROM waivers
 WHERE expires_at IS NULL
HAVING count(*) > 0;
--> statement-breakpoint
UPDATE waivers SET expires_at = greatest(created_at + interval '365 days', now() + interval '30 days') WHERE expires_at IS NULL;
--> statement-breakpoint
ALTER TABLE waivers ADD CONSTRAINT waivers_expire CHECK (expires_at IS NOT NULL);
--> statement-breakpoint
-- The second person is a person: a request counts as the person behind it (a token's request as its creator's).
UPDATE waivers w SET requested_by_user_id = u.id FROM users u WHERE w.requested_by_user_id IS NULL AND w.created_by = u.email;
--> statement-breakpoint
UPDATE waivers w SET requested_by_user_id = t.created_by_user_id
  FROM api_tokens t
 WHERE w.requested_by_user_id IS NULL AND t.created_by_user_id IS NOT NULL
   AND w.created_by = 'token:' || t.display_prefix || '…';
--> statement-breakpoint
UPDATE waivers w SET approved_by_user_id = u.id FROM users u WHERE w.approved_by_user_id IS NULL AND w.approved_by = u.email;
