-- Eligibility: what the user's latest token said (roles, region), recorded at sign-in.
ALTER TABLE "users" ADD COLUMN "token_roles" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "token_region" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "token_region_claimed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Tickets keep their customer's owner (like its region) so "tickets of customers they own" is an indexed equality.
ALTER TABLE "tickets" ADD COLUMN "customer_owner_id" uuid;--> statement-breakpoint
UPDATE "tickets" t SET "customer_owner_id" = c."owner_id" FROM "customers" c WHERE c."id" = t."customer_id";--> statement-breakpoint
ALTER TABLE "tickets" ALTER COLUMN "customer_owner_id" SET NOT NULL;--> statement-breakpoint
-- The copies of a customer's region and owner on deals and tickets follow the customer.
-- Rows changed by hand to disagree with their customer take the customer's region first.
UPDATE "deals" d SET "region" = c."region" FROM "customers" c WHERE c."id" = d."customer_id" AND d."region" IS DISTINCT FROM c."region";--> statement-breakpoint
UPDATE "tickets" t SET "region" = c."region" FROM "customers" c WHERE c."id" = t."customer_id" AND t."region" IS DISTINCT FROM c."region";--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_id_region_key" UNIQUE("id","region");--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_id_owner_key" UNIQUE("id","owner_id");--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_customer_region_fk" FOREIGN KEY ("customer_id","region") REFERENCES "public"."customers"("id","region") ON DELETE no action ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_customer_region_fk" FOREIGN KEY ("customer_id","region") REFERENCES "public"."customers"("id","region") ON DELETE no action ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_customer_owner_fk" FOREIGN KEY ("customer_id","customer_owner_id") REFERENCES "public"."customers"("id","owner_id") ON DELETE no action ON UPDATE cascade;--> statement-breakpoint
-- Owners and assignees are checked at commit, after rolegate's own eligibility check, so an
-- unknown user id is refused exactly like an ineligible one (same answer, same work).
ALTER TABLE "customers" ALTER CONSTRAINT "customers_owner_id_users_id_fk" DEFERRABLE INITIALLY DEFERRED;--> statement-breakpoint
ALTER TABLE "deals" ALTER CONSTRAINT "deals_owner_id_users_id_fk" DEFERRABLE INITIALLY DEFERRED;--> statement-breakpoint
ALTER TABLE "tickets" ALTER CONSTRAINT "tickets_assignee_id_users_id_fk" DEFERRABLE INITIALLY DEFERRED;--> statement-breakpoint
-- One index per (row rule column, sort) pair, so every offered sort reads a page in index order.
CREATE INDEX "customers_name_idx" ON "customers" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "customers_region_name_idx" ON "customers" USING btree ("region","name","id");--> statement-breakpoint
CREATE INDEX "customers_owner_name_idx" ON "customers" USING btree ("owner_id","name","id");--> statement-breakpoint
CREATE INDEX "deals_close_idx" ON "deals" USING btree ("close_date","id");--> statement-breakpoint
CREATE INDEX "deals_region_close_idx" ON "deals" USING btree ("region","close_date","id");--> statement-breakpoint
CREATE INDEX "deals_owner_close_idx" ON "deals" USING btree ("owner_id","close_date","id");--> statement-breakpoint
CREATE INDEX "deals_amount_idx" ON "deals" USING btree ("amount","id");--> statement-breakpoint
CREATE INDEX "deals_region_amount_idx" ON "deals" USING btree ("region","amount","id");--> statement-breakpoint
CREATE INDEX "deals_owner_amount_idx" ON "deals" USING btree ("owner_id","amount","id");--> statement-breakpoint
CREATE INDEX "tickets_owner_created_idx" ON "tickets" USING btree ("customer_owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_updated_idx" ON "tickets" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "tickets_region_updated_idx" ON "tickets" USING btree ("region","updated_at","id");--> statement-breakpoint
CREATE INDEX "tickets_owner_updated_idx" ON "tickets" USING btree ("customer_owner_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "users_created_idx" ON "users" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "users_sub_idx" ON "users" USING btree ("sub","id");
