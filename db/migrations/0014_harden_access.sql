CREATE TABLE "sign_in_throttles" (
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"scope" text NOT NULL,
	"ip" text,
	"email" text,
	"refused" integer NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sign_in_throttles_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ALTER COLUMN "team_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "waivers" ADD COLUMN "requested_by_user_id" text;--> statement-breakpoint
ALTER TABLE "waivers" ADD COLUMN "approved_by_user_id" text;--> statement-breakpoint
CREATE INDEX "sign_in_throttles_end_idx" ON "sign_in_throttles" USING btree ("window_end");