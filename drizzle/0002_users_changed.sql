-- Tells every rolegate instance listening on `rolegate_users_changed` which user changed,
-- whoever changed it (an admin through the API, another instance, SQL by hand), so
-- cached users are dropped the moment the change commits. The payload is the user's id;
-- an empty payload (TRUNCATE) means all users.
CREATE FUNCTION rolegate_notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('rolegate_users_changed', '');
  ELSE
    PERFORM pg_notify('rolegate_users_changed', OLD.id::text);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION rolegate_notify_user_changed();
--> statement-breakpoint
CREATE TRIGGER users_truncated AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION rolegate_notify_user_changed();
