ALTER TABLE "monitor_results" ADD COLUMN "check_key" text NOT NULL;--> statement-breakpoint
ALTER TABLE "monitor_results" ADD COLUMN "version_id" uuid NOT NULL;--> statement-breakpoint
ALTER TABLE "monitor_results" ADD CONSTRAINT "monitor_results_check_key_unique" UNIQUE("check_key");