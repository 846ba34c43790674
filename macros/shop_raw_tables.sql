{#- The raw tables staging checks, each with its key (the quarantine and the value defects name
    rows by it), the raw columns it parses into numbers, dates and timestamps (raw column ->
    staged column), and the columns given a default when the export has no value. Each base model
    keeps, as `raw_<raw column>`, the raw text of a value that did not parse;
    stg_shop__value_defects records those, and the test
    assert_raw_values_reconcile_with_staging_and_value_defects checks that no value is lost. -#}
{% macro shop_raw_tables() -%}
    {{ return({
        'customers': {
            'key': 'customer_id',
            'columns': {'signup_at': 'signup_at', 'updated_at': 'updated_at'},
        },
        'products': {
            'key': 'product_id',
            'columns': {'price': 'price', 'created_at': 'created_at'},
        },
        'orders': {
            'key': 'order_id',
            'columns': {
                'shipping_amount': 'shipping_amount',
                'promised_delivery_date': 'promised_delivery_date',
                'ordered_at': 'ordered_at',
                'shipped_at': 'shipped_at',
                'delivered_at': 'delivered_at',
                'returned_at': 'returned_at',
            },
        },
        'order_items': {
            'key': 'order_item_id',
            'columns': {
                'quantity': 'quantity',
                'unit_price': 'unit_price',
                'discount_amount': 'discount_amount',
            },
            'defaulted': ['quantity', 'discount_amount'],
        },
        'payments': {
            'key': 'payment_id',
            'columns': {'installments': 'installments', 'amount': 'amount', 'paid_at': 'paid_at'},
        },
        'events': {
            'key': 'event_id',
            'columns': {'event_ts': 'event_at'},
        },
        'reviews': {
            'key': 'review_id',
            'columns': {'rating': 'rating', 'created_at': 'created_at'},
        },
        'support_tickets': {
            'key': 'ticket_id',
            'columns': {'created_at': 'created_at', 'resolved_at': 'resolved_at'},
        },
    }) }}
{%- endmacro %}
