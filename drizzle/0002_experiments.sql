CREATE TABLE "experiments" (
	"run_id" uuid NOT NULL,
	"step_id" text NOT NULL,
	"trial" integer DEFAULT -1 NOT NULL,
	"algorithm" text NOT NULL,
	"params" jsonb NOT NULL,
	"metrics" jsonb NOT NULL,
	"curve" jsonb NOT NULL,
	"score" jsonb,
	"model_hash" text,
	"worker_identity" text,
	"provider" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "experiments_run_id_step_id_trial_pk" PRIMARY KEY("run_id","step_id","trial")
);
--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;