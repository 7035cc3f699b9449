CREATE TABLE "intel_epss" (
	"cve_id" text PRIMARY KEY NOT NULL,
	"epss" real NOT NULL,
	"percentile" real NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_imports" (
	"source" text PRIMARY KEY NOT NULL,
	"imported_at" timestamp with time zone NOT NULL,
	"published_at" timestamp with time zone,
	"version" text,
	"entries" integer NOT NULL,
	"origin" text NOT NULL,
	"sha256" text NOT NULL,
	"imported_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_kev" (
	"cve_id" text PRIMARY KEY NOT NULL,
	"vendor_project" text NOT NULL,
	"product" text NOT NULL,
	"name" text NOT NULL,
	"date_added" date NOT NULL,
	"due_date" date NOT NULL,
	"required_action" text NOT NULL,
	"known_ransomware" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_sync" (
	"id" text PRIMARY KEY NOT NULL,
	"lease_until" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_error" text
);
