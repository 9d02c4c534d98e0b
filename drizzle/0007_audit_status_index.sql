DROP INDEX "audit_events_status_at_idx";--> statement-breakpoint
CREATE INDEX "audit_events_status_at_idx" ON "audit_events" USING btree ("status","at","id") WHERE status >= 300;