import { View } from '@tarojs/components'

import CategoryGrid from '../../components/CategoryGrid'
import ProductGrid from '../../components/ProductGrid'
import { products } from '../../data'

export default function Home() {
  return (
    <View className='home'>
      <CategoryGrid />
      <ProductGrid title='推荐' items={products.slice(0, 20)} />
    </View>
  )
}
