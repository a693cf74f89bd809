-- Work saved before sign-in existed moves into the Default workspace (DEFAULT_WORKSPACE_ID in server/auth/workspaces.ts).
INSERT INTO "workspaces" ("id", "name", "slug") VALUES ('00000000-0000-4000-8000-000000000001', 'Default', 'default') ON CONFLICT DO NOTHING;--> statement-breakpoint
UPDATE "pipelines" SET "workspace_id" = '00000000-0000-4000-8000-000000000001' WHERE "workspace_id" IS NULL;--> statement-breakpoint
UPDATE "models" SET "workspace_id" = '00000000-0000-4000-8000-000000000001' WHERE "workspace_id" IS NULL;--> statement-breakpoint
UPDATE "deployments" SET "workspace_id" = '00000000-0000-4000-8000-000000000001' WHERE "workspace_id" IS NULL;--> statement-breakpoint
UPDATE "connections" SET "workspace_id" = '00000000-0000-4000-8000-000000000001' WHERE "workspace_id" IS NULL;--> statement-breakpoint
INSERT INTO "workspace_artifacts" ("workspace_id", "hash") SELECT '00000000-0000-4000-8000-000000000001', "hash" FROM "artifacts" ON CONFLICT DO NOTHING;
