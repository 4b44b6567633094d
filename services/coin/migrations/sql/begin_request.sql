-- The stored answer when this request id was seen before (and the same request), else NULL after claiming it.
CREATE OR REPLACE FUNCTION coin.begin_request(p_request_id text, p_operation text, p_fingerprint text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_seen coin.requests;
BEGIN
    IF p_request_id IS NULL OR p_request_id = '' THEN
        RAISE EXCEPTION 'INVALID_INPUT' USING DETAIL = 'request_id is required', HINT = 'request_id';
    END IF;
    INSERT INTO coin.requests (request_id, operation, fingerprint) VALUES (p_request_id, p_operation, p_fingerprint)
    ON CONFLICT (request_id) DO NOTHING;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_seen FROM coin.requests WHERE request_id = p_request_id;
    IF v_seen.operation <> p_operation OR v_seen.fingerprint <> p_fingerprint THEN
        RAISE EXCEPTION 'REQUEST_ID_REUSED' USING DETAIL = 'this request_id was already used for a different request';
    END IF;
    RETURN v_seen.response || '{"replayed": true}'::jsonb;
END $$;
