import { Navigator, Text, View } from '@tarojs/components'

import { Product, priceText } from '../data'
import './ProductGrid.css'

interface Props {
  title?: string
  items: Product[]
}

export default function ProductGrid({ title, items }: Props) {
  return (
    <View className='section'>
      {title && <Text className='section-title'>{title}</Text>}
      <View className='products'>
        {items.map((product) => (
          <Navigator key={product.id} className='product-card' url={`/catalog/product/index?id=${product.id}`}>
            <View className='product-image'>
              <Text>{product.name}</Text>
              {product.stock === 0 && <View className='sold-out'>已售罄</View>}
            </View>
            <View className='product-name'>{product.name}</View>
            <Text className='price'>{priceText(product.price)}</Text>
          </Navigator>
        ))}
      </View>
    </View>
  )
}
