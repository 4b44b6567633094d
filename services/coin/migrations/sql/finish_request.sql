CREATE OR REPLACE FUNCTION coin.finish_request(p_request_id text, p_response jsonb) RETURNS jsonb LANGUAGE sql AS $$
    UPDATE coin.requests SET response = p_response WHERE request_id = p_request_id;
    SELECT p_response;
$$;
