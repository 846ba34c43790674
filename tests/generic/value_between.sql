{#- Fails for each row whose value lies outside [min_value, max_value]; nulls pass (use not_null
    for those). Either bound may be left out: value_between with only min_value checks value >= it. -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}

select {{ column_name }}
from {{ model }}
where
    {% if min_value is not none %}{{ column_name }} < {{ min_value }}{% else %}false{% endif %}
    or {% if max_value is not none %}{{ column_name }} > {{ max_value }}{% else %}false{% endif %}

{% endtest %}
