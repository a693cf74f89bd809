ALTER TABLE "connections" DROP CONSTRAINT "connections_name_unique";--> statement-breakpoint
ALTER TABLE "models" DROP CONSTRAINT "models_name_unique";--> statement-breakpoint
ALTER TABLE "connections" ALTER COLUMN "workspace_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "deployments" ALTER COLUMN "workspace_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ALTER COLUMN "workspace_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "pipelines" ALTER COLUMN "workspace_id" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "connections_workspace_name_idx" ON "connections" USING btree ("workspace_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "models_workspace_name_idx" ON "models" USING btree ("workspace_id","name");