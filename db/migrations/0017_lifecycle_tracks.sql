-- A finding's lifecycle per (branch, tool, category, subject, target) is its track: "scope" now means only a token's scope.
ALTER TABLE "finding_scopes" RENAME TO "finding_tracks";--> statement-breakpoint
ALTER TABLE "finding_tracks" RENAME COLUMN "scope_key" TO "track_key";--> statement-breakpoint
ALTER INDEX "finding_scopes_scope_idx" RENAME TO "finding_tracks_track_idx";--> statement-breakpoint
ALTER TABLE "finding_tracks" RENAME CONSTRAINT "finding_scopes_finding_id_scope_key_pk" TO "finding_tracks_finding_id_track_key_pk";--> statement-breakpoint
ALTER TABLE "finding_tracks" RENAME CONSTRAINT "finding_scopes_finding_id_findings_id_fk" TO "finding_tracks_finding_id_findings_id_fk";--> statement-breakpoint
ALTER TABLE "scans" RENAME COLUMN "scope_keys" TO "track_keys";
