CREATE OR REPLACE FUNCTION coin.lock_key(kind text, id text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended(kind || ':' || id, 0)
$$;
