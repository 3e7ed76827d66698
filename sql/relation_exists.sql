-- NULL when the (schema-qualified, quoted) relation does not exist.
SELECT to_regclass(%(relation)s)
