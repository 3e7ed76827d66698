-- Values for the DO block below travel as transaction-local settings (a DO block takes
-- no parameters, and nothing is ever interpolated into SQL text).
SELECT set_config('bootstrap.role_name', %(name)s, true),
       set_config('bootstrap.role_verifier', %(verifier)s, true)
