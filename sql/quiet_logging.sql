-- First statements of the transaction that carries a password verifier: nothing of it
-- reaches the server log, whatever log_statement / log_min_duration_statement say.
SET LOCAL log_statement = 'none';
SET LOCAL log_min_duration_statement = -1;
SET LOCAL log_parameter_max_length = 0;
