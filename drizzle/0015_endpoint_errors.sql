CREATE TABLE "endpoint_errors" (
	"deployment_id" uuid NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"status" integer NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "endpoint_errors_deployment_id_minute_status_pk" PRIMARY KEY("deployment_id","minute","status")
);
--> statement-breakpoint
ALTER TABLE "endpoint_errors" ADD CONSTRAINT "endpoint_errors_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;