CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"request_id" text NOT NULL,
	"user_id" uuid,
	"sub" text,
	"roles" text[] NOT NULL,
	"auth_type" text NOT NULL,
	"client" text NOT NULL,
	"client_id" text,
	"operation" text NOT NULL,
	"resource" text NOT NULL,
	"record_ids" text[] NOT NULL,
	"changes" jsonb,
	"status" smallint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at","id");--> statement-breakpoint
CREATE INDEX "audit_events_user_at_idx" ON "audit_events" USING btree ("user_id","at","id");--> statement-breakpoint
CREATE INDEX "audit_events_resource_at_idx" ON "audit_events" USING btree ("resource","at","id");--> statement-breakpoint
CREATE INDEX "audit_events_operation_at_idx" ON "audit_events" USING btree ("operation","at","id");--> statement-breakpoint
CREATE INDEX "audit_events_status_at_idx" ON "audit_events" USING btree ("status","at","id");--> statement-breakpoint
CREATE INDEX "audit_events_record_ids_idx" ON "audit_events" USING gin ("record_ids");--> statement-breakpoint
-- Append-only: UPDATE, DELETE and TRUNCATE are refused. The one exception is the retention
-- purge, which sets rolegate.audit_purge for its own transaction and may only remove events
-- older than a day, so a purge can never erase what just happened.
CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('rolegate.audit_purge', true) = 'on' AND OLD.at < now() - interval '1 day' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = '42501';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();
